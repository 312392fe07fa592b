"""The sans-I/O core, driven through ``handle()`` with injected time."""
