"""The only place that talks to Cloudflare."""
