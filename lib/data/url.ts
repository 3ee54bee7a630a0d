/** `file:` URL to a path (the one piece of `@std/path` we need; JSR is unreachable here). */
export function fromFileUrl(url: URL | string): string {
  const u = typeof url === "string" ? new URL(url) : url;
  if (u.protocol !== "file:") throw new TypeError(`fromFileUrl: not a file URL: ${u.href}`);
  return decodeURIComponent(u.pathname);
}
