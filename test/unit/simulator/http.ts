/** Talks to a running simulator the way the project's client does: POST JSON to `${url}/info`. */
export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

export const postInfo = async (url: string, body: unknown): Promise<RawAnswer> => {
  const res = await fetch(`${url}/info`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
};

/** POSTs and returns the parsed JSON, failing loudly on anything but a 200. */
export const info = async <T = unknown>(url: string, body: unknown): Promise<T> => {
  const answer = await postInfo(url, body);
  if (answer.status !== 200) throw new Error(`info ${JSON.stringify(body)} → ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as T;
};
