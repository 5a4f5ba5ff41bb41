/**
 * A readable, self-contained page for the OpenAPI document: no scripts, no fonts, no CDN, so it
 * works offline and under any Content-Security-Policy.
 */
const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

type Json = Record<string, unknown>;

const renderOperation = (method: string, path: string, op: Json): string => {
  const params = (op.parameters as Json[] | undefined) ?? [];
  const responses = Object.entries((op.responses as Record<string, Json>) ?? {});
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required === true ? "yes" : ""}</td>` +
        `<td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${esc(p.description ?? "")}</td></tr>`,
    )
    .join("");
  const responseBlocks = responses
    .map(([status, r]) => {
      const schema = (r.content as Record<string, Json> | undefined)?.["application/json"]?.schema;
      return (
        `<details><summary><b>${esc(status)}</b> ${esc(r.description)}</summary>` +
        (schema !== undefined ? `<pre>${esc(JSON.stringify(schema, null, 2))}</pre>` : "") +
        `</details>`
      );
    })
    .join("");
  return `<section id="${esc(op.operationId)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code>${op.deprecated === true ? " <em>(deprecated)</em>" : ""}${op.security !== undefined ? ' <span class="admin">admin: x-api-key</span>' : ""}</h3>
<p>${esc(op.summary)}</p>${op.description !== undefined ? `<p>${esc(op.description)}</p>` : ""}
${params.length > 0 ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th><th></th></tr>${paramRows}</table>` : ""}
${responseBlocks}
</section>`;
};

export const renderDocsHtml = (doc: Json): string => {
  const info = doc.info as Json;
  const paths = Object.entries(doc.paths as Record<string, Record<string, Json>>);
  const body = paths.flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => renderOperation(m, path, op))).join("\n");
  const toc = paths
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([m, op]) => `<li><a href="#${esc(op.operationId)}">${esc(m.toUpperCase())} ${esc(path)}</a></li>`),
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} API</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#f5f5f5;padding:.75rem;overflow:auto}
section{border-top:1px solid #ddd;padding:.5rem 0}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4rem;text-align:center;color:#fff;border-radius:3px;padding:0 .3rem}
.get{background:#2b7bb9}.post{background:#3a9a4a}.patch{background:#b5760b}.delete{background:#c0392b}.admin{font-size:.8em;color:#a15c00}
</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
<p>${esc(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p>
<ul>${toc}</ul>
${body}
</body></html>`;
};
