/**
 * Several in-process instances (startServer) on ONE PostgreSQL schema, each with its own DATA_DIR and the
 * same environment otherwise: what a load balancer's pool looks like to the database, without spawning
 * processes (scripts/cluster does that). Documents go to the database (BLOB_STORE=db) so that any
 * instance can read what another stored.
 */
import type { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import type { PkiServices } from '../../src/keys/index.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type ServerHandle } from '../../src/server.ts';
import { createPgSchema } from './pg-schema.ts';

export interface InstancesOptions {
  count: number;
  postgresUrl: string;
  /** Per instance, on top of the shared environment (e.g. another SIGNER_SECRET, to see a form refused). */
  env: (index: number) => Record<string, string>;
  pki?: PkiServices;
  trustAnchors?: X509Certificate[];
  clock?: () => Date;
}

export interface Instances {
  readonly handles: readonly ServerHandle[];
  close(): Promise<void>;
}

export async function startInstances(options: InstancesOptions): Promise<Instances> {
  const pg = await createPgSchema(options.postgresUrl);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-instances-'));
  const handles: ServerHandle[] = [];
  const close = async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    await pg.drop();
    await fs.rm(root, { recursive: true, force: true });
  };
  try {
    // One after the other: the first applies the migrations.
    for (let index = 0; index < options.count; index++) {
      const config = loadConfig({
        PORT: '0',
        DATA_DIR: path.join(root, `instance-${index}`),
        CERTS_DIR: path.join(root, 'certs'),
        DATABASE_URL: options.postgresUrl,
        BLOB_STORE: 'db',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        NODE_ENV: 'test',
        ...options.env(index),
      });
      handles.push(
        await startServer(config, {
          logger: createLogger({ level: config.logLevel }),
          trustAnchors: options.trustAnchors ?? [],
          pki: options.pki,
          clock: options.clock,
          backgroundJobs: false,
          searchPath: pg.schema,
          host: '127.0.0.1',
        }),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { handles, close };
}
