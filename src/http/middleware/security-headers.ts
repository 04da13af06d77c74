// Security headers of a JSON API (OWASP REST Security Cheat Sheet): a body is never to be sniffed,
// framed, or run as a page. Computed once; HTML pages set their own policy on top. HSTS only on
// HTTPS (RFC 6797 §7.2: a host must not send it over plain HTTP), which behind a proxy means
// TRUST_PROXY and X-Forwarded-Proto: https.
import type { NextFunction, Request, Response } from 'express';

const API_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-site'],
];

export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of API_HEADERS) res.setHeader(name, value);
  if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  next();
}
