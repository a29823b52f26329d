/**
 * A namespace-aware element tree over fast-xml-parser's ordered output (Namespaces in XML 1.0 §5),
 * so that a trusted list is read by namespace URI and local name whatever prefixes its publisher
 * chose (`tsl:`, `ns2:`, a default namespace). Bounded: a document type declaration is refused
 * outright (TS 119 612 lists have none, and its entities are the classic expansion attack), and so
 * are documents with more than `maxElements` elements.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  readonly ns: string;
  readonly local: string;
  /** Attributes by their qualified name as written (`uri`, `xml:lang`), namespace declarations left out. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** The element's own text, trimmed (text of children not included). */
  readonly text: string;
}

export class XmlReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlReadError';
  }
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
type Ordered = Record<string, unknown>;

export function parseNamespacedXml(xml: string, maxElements: number): XmlElement {
  if (/<!DOCTYPE/i.test(xml)) throw new XmlReadError('the document has a DOCTYPE; a trusted list has none');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlReadError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: 64,
  });
  const top = (parser.parse(xml) as Ordered[]).filter((node) => !('#text' in node));
  if (top.length !== 1) throw new XmlReadError('the document has no single root element');
  const budget = { left: maxElements };
  return convert(top[0], new Map([['xml', XML_NS]]), budget);
}

function convert(node: Ordered, scope: ReadonlyMap<string, string>, budget: { left: number }): XmlElement {
  if (--budget.left < 0) throw new XmlReadError('the document has too many elements');
  const qname = Object.keys(node).find((key) => key !== ':@')!;
  const rawAttributes = (node[':@'] ?? {}) as Record<string, string>;
  const inner = new Map(scope);
  const attributes = new Map<string, string>();
  for (const [name, value] of Object.entries(rawAttributes)) {
    if (name === 'xmlns') inner.set('', value);
    else if (name.startsWith('xmlns:')) inner.set(name.slice(6), value);
    else attributes.set(name, String(value));
  }
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const ns = inner.get(prefix);
  if (ns === undefined && prefix !== '') throw new XmlReadError(`the prefix "${prefix}" of <${qname}> is not declared`);
  const children: XmlElement[] = [];
  let text = '';
  for (const item of (node[qname] ?? []) as Ordered[]) {
    if ('#text' in item) text += String(item['#text']);
    else children.push(convert(item, inner, budget));
  }
  return { ns: ns ?? '', local: colon < 0 ? qname : qname.slice(colon + 1), attributes, children, text: text.trim() };
}

/** Children of `element` named `{ns}local`. */
export function childrenNamed(element: XmlElement, ns: string, local: string): XmlElement[] {
  return element.children.filter((c) => c.ns === ns && c.local === local);
}

/** The one child `{ns}local`, or null; more than one is an error (the schema allows one). */
export function optionalChild(element: XmlElement, ns: string, local: string): XmlElement | null {
  const found = childrenNamed(element, ns, local);
  if (found.length > 1) throw new XmlReadError(`<${element.local}> has ${found.length} <${local}> elements; one is allowed`);
  return found[0] ?? null;
}

/** The one child `{ns}local`; absent is an error naming the parent. */
export function requiredChild(element: XmlElement, ns: string, local: string): XmlElement {
  const found = optionalChild(element, ns, local);
  if (!found) throw new XmlReadError(`<${element.local}> lacks <${local}>`);
  return found;
}
