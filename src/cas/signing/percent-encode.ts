/**
 * RFC 3986 percent-encoding as Alibaba Cloud signs it: keeps `A-Z a-z 0-9 - _ . ~`, encodes everything else as
 * UTF-8 `%XX` (space → `%20`, `*` → `%2A`). `encodeURIComponent` leaves `! ' ( ) *` raw, so those are fixed up.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
