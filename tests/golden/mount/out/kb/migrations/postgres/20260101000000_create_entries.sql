-- The entries of Kb (`zerogen package kb`).
CREATE TABLE kb_entries (
    id BIGSERIAL PRIMARY KEY,
    body TEXT NOT NULL
);
