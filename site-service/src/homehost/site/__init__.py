"""WordPress sites: vhosts, PHP pools, plugins, themes and caches."""

__version__ = "0.1.0"
