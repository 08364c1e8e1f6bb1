/**
 * Placeholders a reply template may use. Ticket facts come from ticket
 * events; the customer's and agent's names are not in any event, so the
 * caller passes them (the agent desktop has them from the tickets subgraph).
 */
export const KNOWN_PLACEHOLDERS = [
  'ticket.number',
  'ticket.title',
  'ticket.type',
  'ticket.category',
  'ticket.priority',
  'customer.id',
  'customer.name',
  'agent.name',
] as const;
export type PlaceholderName = (typeof KNOWN_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_.]+)\s*\}\}/g;

export function isKnownPlaceholder(name: string): name is PlaceholderName {
  return (KNOWN_PLACEHOLDERS as readonly string[]).includes(name);
}

export function placeholdersIn(body: string): string[] {
  return [...new Set(Array.from(body.matchAll(PLACEHOLDER), (match) => match[1]))];
}

export interface RenderedTemplate {
  text: string;
  /** Known placeholders without a value; left in the text as written. */
  missing: string[];
  /** Placeholders this service does not know; left in the text as written. */
  unknown: string[];
}

/** Plain text out (a reply body), never HTML: the channel decides how to show it. */
export function renderTemplate(
  body: string,
  values: Partial<Record<PlaceholderName, string | null | undefined>>,
): RenderedTemplate {
  const missing = new Set<string>();
  const unknown = new Set<string>();
  const text = body.replace(PLACEHOLDER, (whole, name: string) => {
    if (!isKnownPlaceholder(name)) {
      unknown.add(name);
      return whole;
    }
    const value = values[name];
    if (value === null || value === undefined || value === '') {
      missing.add(name);
      return whole;
    }
    return value;
  });
  return { text, missing: [...missing], unknown: [...unknown] };
}
