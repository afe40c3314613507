"""The feed's widgets."""
