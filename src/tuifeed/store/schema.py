"""The database schema, one list of statements per version; migrations run in order."""

SCHEMA_VERSION = 3

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
    3: [
        # An undone event stays in the log, flagged here; the ranker and the queue ignore it.
        """
        CREATE TABLE event_undos (
            event_id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL               -- when it was undone, ISO 8601 UTC
        )
        """,
        # Views for power users (Datasette, sqlite-utils, the sqlite3 shell).
        """
        CREATE VIEW event_log AS
        SELECT e.id, e.ts, e.kind, e.value, e.item_id, i.title, i.creator, i.topics,
               e.session_id, (u.event_id IS NOT NULL) AS undone
        FROM events e
        LEFT JOIN items i ON i.id = e.item_id
        LEFT JOIN event_undos u ON u.event_id = e.id
        """,
        """
        CREATE VIEW daily_watch_by_topic AS
        SELECT substr(e.ts, 1, 10) AS day, t.value AS topic,
               round(sum(e.value), 1) AS seconds, count(*) AS dwells
        FROM events e
        JOIN items i ON i.id = e.item_id, json_each(i.topics) AS t
        WHERE e.kind = 'dwell' AND e.id NOT IN (SELECT event_id FROM event_undos)
        GROUP BY day, topic
        """,
        """
        CREATE VIEW creator_engagement AS
        SELECT i.creator,
               sum(e.kind = 'impression') AS impressions,
               round(sum(CASE WHEN e.kind = 'dwell' THEN e.value ELSE 0 END), 1) AS seconds,
               sum(e.kind = 'like') - sum(e.kind = 'unlike') AS likes,
               sum(e.kind = 'skip') AS skips,
               sum(e.kind = 'dislike') - sum(e.kind = 'undislike') AS dislikes,
               sum(e.kind = 'save') - sum(e.kind = 'unsave') AS saves
        FROM events e
        JOIN items i ON i.id = e.item_id
        WHERE e.id NOT IN (SELECT event_id FROM event_undos)
        GROUP BY i.creator
        """,
    ],
}
