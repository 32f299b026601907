"""The only modules of the gateway that import a driver or client library."""
