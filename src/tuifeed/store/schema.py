"""The database schema, one list of statements per version; migrations run in order."""

SCHEMA_VERSION = 2

MIGRATIONS: dict[int, list[str]] = {
    1: [
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE items (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            title TEXT NOT NULL,
            creator TEXT NOT NULL,
            topics TEXT NOT NULL,          -- JSON list of topic slugs
            description TEXT NOT NULL DEFAULT '',
            duration REAL NOT NULL,        -- seconds
            published TEXT NOT NULL,       -- ISO 8601 UTC
            views INTEGER NOT NULL DEFAULT 0,
            likes INTEGER NOT NULL DEFAULT 0,
            thumbnail TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT ''
        )
        """,
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,              -- ISO 8601 UTC
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            value REAL,                    -- seconds for dwell, fraction for watch, else NULL
            session_id TEXT NOT NULL DEFAULT ''
        )
        """,
        "CREATE INDEX events_item ON events(item_id)",
        "CREATE INDEX events_ts ON events(ts)",
        """
        CREATE TABLE follows (
            creator TEXT PRIMARY KEY,
            since TEXT NOT NULL            -- ISO 8601 UTC
        )
        """,
    ],
    2: [
        """
        CREATE TABLE steering (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,              -- ISO 8601 UTC
            action TEXT NOT NULL,          -- boost, mute, unmute, forget, pause, resume, reset
            target TEXT NOT NULL DEFAULT '',  -- topic, creator, word, or '' for the feed
            name TEXT NOT NULL DEFAULT '',
            amount REAL,                   -- for boost: -2..+2
            undone INTEGER NOT NULL DEFAULT 0
        )
        """,
    ],
}
