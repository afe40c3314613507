"""The growing catalogue: sources the viewer adds, and how their items come in."""
