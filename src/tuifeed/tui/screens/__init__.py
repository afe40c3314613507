"""The feed's screens."""
