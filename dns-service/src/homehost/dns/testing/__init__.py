"""What other packages' tests and the benchmark use to exercise dns-service."""

from homehost.dns.testing.fake_cloudflare import ALL_SCOPES, FakeCloudflare, FakeZone

__all__ = ["ALL_SCOPES", "FakeCloudflare", "FakeZone"]
