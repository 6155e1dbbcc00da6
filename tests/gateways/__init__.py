"""Real outside systems run by the tests (Kannel), each behind a small class and a fixture."""
