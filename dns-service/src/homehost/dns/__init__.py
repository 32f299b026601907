"""Zones, DNS records, Tunnel routes and edge settings at Cloudflare."""

__version__ = "0.1.0"
