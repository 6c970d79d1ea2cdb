"""Developer tooling shared by tests, benchmarks and `make demo`."""
