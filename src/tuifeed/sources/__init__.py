"""Where items come from. Each source kind is one module that yields cleaned Items."""
