CREATE TABLE users (
    {id},
    email TEXT NOT NULL UNIQUE,
    hashed_password TEXT,
    confirmed_at BIGINT,
    inserted_at BIGINT NOT NULL
);
CREATE TABLE users_tokens (
    {id},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    context TEXT NOT NULL,
    sent_to TEXT,
    authenticated_at BIGINT,
    inserted_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_tokens_context_token_hash_index ON users_tokens (context, token_hash);
CREATE INDEX users_tokens_user_id_index ON users_tokens (user_id);
