"""The web layer: one blueprint per user flow, and the glue (sign-in, security headers, compression)."""
