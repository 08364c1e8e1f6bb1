export interface GraphQLResponse<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown } }[];
}

/** POSTs one operation to a GraphQL endpoint, as a frontend would. */
export async function graphqlRequest<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<TData>;
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false | null>,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false && value !== null) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Runs an operation and fails loudly on errors; returns `data`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep response shapes freely
export async function graphqlOk<TData = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<TData> {
  const response = await graphqlRequest<TData>(url, query, variables, token);
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data as TData;
}

/** The `extensions.code` of the first error, for asserting refusals. */
export async function graphqlErrorCode(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<{ code: string | undefined; message: string | undefined }> {
  const response = await graphqlRequest(url, query, variables, token);
  return { code: response.errors?.[0]?.extensions?.code, message: response.errors?.[0]?.message };
}
