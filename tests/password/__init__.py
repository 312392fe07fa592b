"""Password accounts: sign-up with verification, reset, change, and what an attacker cannot do."""
