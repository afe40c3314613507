"""The database schema, one list of statements per version; migrations run in order."""

from tuifeed.clock import LATEST

SCHEMA_VERSION = 9

# Every stored time is ISO 8601 UTC text of fixed width within 1970..2099 (see clock.WINDOW),
# so times compare as text exactly as they compare in time.
TIME_COLUMNS = (("events", "ts"), ("event_undos", "ts"), ("steering", "ts"),
                ("follows", "since"), ("sources", "added"), ("sources", "last_fetch"))
FIXED_WIDTH_TIME = ("'[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]"
                    ".[0-9][0-9][0-9][0-9][0-9][0-9]Z'")
FIRST_TIME, LAST_TIME = "'1970-01-01T00:00:00.000000Z'", "'2099-12-31T23:59:59.999999Z'"
MAX_ID = 2**53 - 1  # ids stay exact as JSON numbers, and far from SQLite's 2^63 - 1


def _times_into_window(table: str, column: str) -> str:
    """Version 4 stored years below 1000 without zero padding ("999-..."), and took any year
    or an empty text from an import: such a time moves to the nearest end of the window
    (the backup made before migrating keeps the original)."""
    return (f"UPDATE {table} SET {column} = CASE WHEN {column} >= '2100' AND length({column}) = 27"
            f" THEN {LAST_TIME} ELSE {FIRST_TIME} END"
            f" WHERE {column} IS NOT NULL AND NOT ({column} GLOB {FIXED_WIDTH_TIME}"
            f" AND {column} >= '1970' AND {column} < '2100')")


RENUMBER_ABOVE = 2**52  # half the range: ids renumbered below it leave all the rest free


def _ids_into_range(table: str, references: tuple[str, str] | None = None) -> list[str]:
    """Ids near or above MAX_ID (imported by version 4, which then could not number a new
    event) are renumbered after the highest id in the lower half of the range, references and
    all, so the log has room to grow again."""
    statements = [
        "DROP TABLE IF EXISTS temp.renumbered",
        f"CREATE TEMP TABLE renumbered AS SELECT id AS old,"
        f" (SELECT coalesce(max(id), 0) FROM {table} WHERE id <= {RENUMBER_ABOVE})"
        f" + row_number() OVER (ORDER BY id) AS new FROM {table} WHERE id > {RENUMBER_ABOVE}",
    ]
    # Through negative ids, so no new id meets an old one half-way through.
    for where, column in ([references] if references else []) + [(table, "id")]:
        statements += [
            f"UPDATE {where} SET {column} = -(SELECT new FROM temp.renumbered"
            f" WHERE old = {column}) WHERE {column} > {RENUMBER_ABOVE}",
            f"UPDATE {where} SET {column} = -{column} WHERE {column} < 0",
        ]
    statements += [
        f"DELETE FROM meta WHERE key = 'next_{table}_id'"
        f" AND CAST(value AS INTEGER) > {RENUMBER_ABOVE}",
        "DROP TABLE temp.renumbered",
    ]
    return statements


CATALOGUE_CHANGES = "catalogue_changes"  # meta key: moved by every update or delete below
CATALOGUE_TABLES = ("items", "item_topics", "topics", "creators")
DATABASE_ID = "database_id"  # meta key: random, made once (version 9)


def _count_changes(table: str, operation: str) -> str:
    """A trigger moving the catalogue's change counter on every row updated or deleted (rows
    added change the tables' sizes instead: see feed/checkpoint.py's catalogue tags)."""
    return (f"CREATE TRIGGER IF NOT EXISTS {table}_{operation.lower()}_counted"
            f" AFTER {operation} ON {table}"
            f" BEGIN INSERT INTO meta(key, value) VALUES ('{CATALOGUE_CHANGES}', '1')"
            " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1; END")


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
    4: [
        # The catalogue grows: items get a stable integer code, assigned once in insertion order;
        # creators are keyed by source and channel id, their display name kept apart; topics
        # live in their own tables; sources are rows the viewer adds and removes.
        "DROP VIEW event_log",
        "DROP VIEW daily_watch_by_topic",
        "DROP VIEW creator_engagement",
        "ALTER TABLE items RENAME TO items_v3",
        """
        CREATE TABLE creators (
            code INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,      -- source kind and channel id: "youtube:UC..."
            name TEXT NOT NULL             -- display name; two creators may share one
        )
        """,
        """
        CREATE TABLE topics (
            code INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE      -- normalised: lower case, no '#', words joined by '-'
        )
        """,
        """
        CREATE TABLE items (
            code INTEGER PRIMARY KEY,      -- stable, assigned once, in insertion order
            id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,          -- the name of the source that brought it
            creator INTEGER NOT NULL REFERENCES creators(code),
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            duration REAL,                 -- seconds; NULL when the source does not say
            published REAL,                -- Unix seconds, UTC; NULL when unknown
            views INTEGER,                 -- NULL when unknown
            likes INTEGER,
            thumbnail TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',  -- what a player opens
            page_url TEXT NOT NULL DEFAULT '',
            short_form INTEGER NOT NULL DEFAULT 0,
            topics_derived INTEGER NOT NULL DEFAULT 0  -- 1: topics guessed from the text
        )
        """,
        """
        CREATE TABLE item_topics (
            item INTEGER NOT NULL REFERENCES items(code),
            position INTEGER NOT NULL,     -- 0 is the item's main topic
            topic INTEGER NOT NULL REFERENCES topics(code),
            PRIMARY KEY (item, position)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX item_topics_topic ON item_topics(topic)",
        "CREATE INDEX items_source ON items(source)",
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,            -- demo, peertube, youtube, rss, jsonfeed, folder
            url TEXT NOT NULL,
            added TEXT NOT NULL,           -- ISO 8601 UTC
            last_fetch TEXT,               -- ISO 8601 UTC of the last attempt
            last_error TEXT NOT NULL DEFAULT '',
            validators TEXT NOT NULL DEFAULT '{}',  -- JSON: url -> [etag, last_modified]
            removed INTEGER NOT NULL DEFAULT 0      -- removed sources keep their items
        )
        """,
        """
        INSERT INTO creators(key, name)
        SELECT source || ':' || creator, creator FROM items_v3
        GROUP BY source, creator ORDER BY min(rowid)
        """,
        """
        INSERT INTO topics(name)
        SELECT t.value FROM items_v3 i, json_each(i.topics) t
        GROUP BY t.value ORDER BY min(i.rowid * 100 + t.key)
        """,
        """
        INSERT INTO items(id, source, creator, title, description, duration, published, views,
                          likes, thumbnail, url)
        SELECT i.id, i.source, c.code, i.title, i.description, i.duration,
               CAST(strftime('%s', substr(i.published, 1, 19)) AS INTEGER)
                   + ifnull(CAST(substr(i.published, 20, 7) AS REAL), 0),
               i.views, i.likes, i.thumbnail, i.url
        FROM items_v3 i JOIN creators c ON c.key = i.source || ':' || i.creator
        ORDER BY i.rowid
        """,
        """
        INSERT OR IGNORE INTO item_topics(item, position, topic)
        SELECT n.code, t.key, tp.code
        FROM items_v3 i JOIN items n ON n.id = i.id, json_each(i.topics) t
        JOIN topics tp ON tp.name = t.value
        """,
        """
        INSERT INTO sources(name, kind, url, added)
        SELECT DISTINCT source, 'demo', 'demo:', strftime('%Y-%m-%dT%H:%M:%fZ')
        FROM items_v3 WHERE source = 'demo'
        """,
        """
        UPDATE follows SET creator = (SELECT key FROM creators WHERE name = follows.creator
                                      ORDER BY code LIMIT 1)
        WHERE creator IN (SELECT name FROM creators)
        """,
        "DROP TABLE items_v3",
        # An item as one row with its creator's name and its topics as a JSON list.
        """
        CREATE VIEW item_list AS
        SELECT i.code, i.id, i.source, i.title, c.name AS creator, c.key AS creator_id,
               (SELECT json_group_array(name) FROM (
                    SELECT tp.name FROM item_topics it JOIN topics tp ON tp.code = it.topic
                    WHERE it.item = i.code ORDER BY it.position)) AS topics,
               i.description, i.duration, i.published, i.views, i.likes, i.thumbnail, i.url,
               i.page_url, i.short_form
        FROM items i JOIN creators c ON c.code = i.creator
        """,
        """
        CREATE VIEW event_log AS
        SELECT e.id, e.ts, e.kind, e.value, e.item_id, i.title, i.creator, i.topics,
               e.session_id, (u.event_id IS NOT NULL) AS undone
        FROM events e
        LEFT JOIN item_list i ON i.id = e.item_id
        LEFT JOIN event_undos u ON u.event_id = e.id
        """,
        """
        CREATE VIEW daily_watch_by_topic AS
        SELECT substr(e.ts, 1, 10) AS day, tp.name AS topic,
               round(sum(e.value), 1) AS seconds, count(*) AS dwells
        FROM events e
        JOIN items i ON i.id = e.item_id
        JOIN item_topics it ON it.item = i.code
        JOIN topics tp ON tp.code = it.topic
        WHERE e.kind = 'dwell' AND e.id NOT IN (SELECT event_id FROM event_undos)
        GROUP BY day, topic
        """,
        """
        CREATE VIEW creator_engagement AS
        SELECT c.name AS creator, c.key AS creator_id,
               sum(e.kind = 'impression') AS impressions,
               round(sum(CASE WHEN e.kind = 'dwell' THEN e.value ELSE 0 END), 1) AS seconds,
               sum(e.kind = 'like') - sum(e.kind = 'unlike') AS likes,
               sum(e.kind = 'skip') AS skips,
               sum(e.kind = 'dislike') - sum(e.kind = 'undislike') AS dislikes,
               sum(e.kind = 'save') - sum(e.kind = 'unsave') AS saves
        FROM events e
        JOIN items i ON i.id = e.item_id
        JOIN creators c ON c.code = i.creator
        WHERE e.id NOT IN (SELECT event_id FROM event_undos)
        GROUP BY c.code
        """,
    ],
    5: [
        *(_times_into_window(table, column) for table, column in TIME_COLUMNS),
        f"UPDATE items SET published = NULL WHERE published < 0 OR published >= {LATEST:.0f}",
        *_ids_into_range("events", ("event_undos", "event_id")),
        *_ids_into_range("steering"),
    ],
    6: [
        # Where the viewer stopped each video, to offer resuming there (see Feed.resume_at).
        """
        CREATE TABLE resume_points (
            item_id TEXT PRIMARY KEY,
            position REAL NOT NULL,        -- seconds
            duration REAL,                 -- seconds, as the player measured the file
            updated TEXT NOT NULL          -- ISO 8601 UTC
        )
        """,
    ],
    7: [
        # `undone` gets a type: a computed column has none, so a filter that passes its value
        # as text (Datasette's ?undone=1) compared 1 with '1' and found nothing.
        "DROP VIEW event_log",
        """
        CREATE VIEW event_log AS
        SELECT e.id, e.ts, e.kind, e.value, e.item_id, i.title, i.creator, i.topics,
               e.session_id, CAST(u.event_id IS NOT NULL AS INTEGER) AS undone
        FROM events e
        LEFT JOIN item_list i ON i.id = e.item_id
        LEFT JOIN event_undos u ON u.event_id = e.id
        """,
    ],
    8: [
        # An item's language, where its source says (PeerTube, JSON Feed, RSS and Atom): the
        # primary subtag in lower case ("en", "pt"); '' when unknown, as for every item
        # fetched before.
        "ALTER TABLE items ADD COLUMN language TEXT NOT NULL DEFAULT ''",
        # item_list shows it too (event_log reads item_list, so it is made again as well).
        "DROP VIEW event_log",
        "DROP VIEW item_list",
        """
        CREATE VIEW item_list AS
        SELECT i.code, i.id, i.source, i.title, c.name AS creator, c.key AS creator_id,
               (SELECT json_group_array(name) FROM (
                    SELECT tp.name FROM item_topics it JOIN topics tp ON tp.code = it.topic
                    WHERE it.item = i.code ORDER BY it.position)) AS topics,
               i.description, i.duration, i.published, i.views, i.likes, i.thumbnail, i.url,
               i.page_url, i.short_form, i.language
        FROM items i JOIN creators c ON c.code = i.creator
        """,
        """
        CREATE VIEW event_log AS
        SELECT e.id, e.ts, e.kind, e.value, e.item_id, i.title, i.creator, i.topics,
               e.session_id, CAST(u.event_id IS NOT NULL AS INTEGER) AS undone
        FROM events e
        LEFT JOIN item_list i ON i.id = e.item_id
        LEFT JOIN event_undos u ON u.event_id = e.id
        """,
    ],
    9: [
        # The catalogue as read at open is kept with the checkpoint (feed/checkpoint.py),
        # valid while the catalogue is unchanged: its tables' sizes and highest codes say
        # when rows were added, this counter when any was changed or removed.
        f"INSERT OR IGNORE INTO meta(key, value) VALUES ('{CATALOGUE_CHANGES}', '0')",
        # And which database it was kept for: another file put in its place is another.
        f"INSERT OR IGNORE INTO meta(key, value) VALUES ('{DATABASE_ID}',"
        " lower(hex(randomblob(16))))",
        *(_count_changes(table, operation) for table in CATALOGUE_TABLES
          for operation in ("UPDATE", "DELETE")),
    ],
}
