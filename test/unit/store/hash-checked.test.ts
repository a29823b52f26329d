/** hashChecked: a streamed blob read is trusted only at its end, and damaged bytes never arrive whole. */
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { hashChecked, sha256Hex } from '../../../src/store/blob-store.ts';

const pieces = [Buffer.from('%PDF-1.7\n'), Buffer.from('besluit '), Buffer.from('%%EOF\n')];
const whole = Buffer.concat(pieces);

/** Everything the stream gave before it ended or failed, and how it ended; read as a response body is, as the bytes come. */
function consume(stream: Readable): Promise<{ received: Buffer; error?: { code?: string; message: string } }> {
  const received: Buffer[] = [];
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => received.push(chunk));
    stream.on('end', () => resolve({ received: Buffer.concat(received) }));
    stream.on('error', (error) => resolve({ received: Buffer.concat(received), error }));
  });
}

describe('store: hashChecked', () => {
  it('passes bytes that hash to their name, in their pieces', async () => {
    const result = await consume(hashChecked(Readable.from(pieces), sha256Hex(whole), whole.length));
    expect(result.error).to.equal(undefined);
    expect(result.received.equals(whole)).to.equal(true);
  });

  it('fails damaged bytes with blob_corrupt before their last piece, so the reader never has them whole', async () => {
    const damaged = [pieces[0]!, Buffer.from('BESLUIT '), pieces[2]!];
    const result = await consume(hashChecked(Readable.from(damaged), sha256Hex(whole), whole.length));
    expect(result.error).to.include({ code: 'blob_corrupt' });
    expect(result.received.length, 'the last piece is held back').to.equal(whole.length - pieces[2]!.length);
  });

  it('fails a short read with blob_corrupt, naming the sizes', async () => {
    const result = await consume(hashChecked(Readable.from(pieces.slice(0, 2)), sha256Hex(whole), whole.length));
    expect(result.error).to.include({ code: 'blob_corrupt' });
    expect((result.error as { detail?: string }).detail).to.include(`${whole.length - pieces[2]!.length} bytes read, ${whole.length} expected`);
  });

  it('passes on an error of the source (a connection lost mid-way)', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield pieces[0]!;
      throw new Error('socket hang up');
    }
    const result = await consume(hashChecked(Readable.from(failing()), sha256Hex(whole)));
    expect(result.error?.message).to.equal('socket hang up');
  });
});
