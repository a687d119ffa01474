-- Catalog version: one counter that every write to models, gpus or price_points bumps in the same
-- transaction (a statement trigger), announced with NOTIFY catalog_changed. Replicas LISTEN to drop
-- their in-memory catalog at once and poll the counter as a fallback, so none serves a stale price
-- for long, whoever wrote it (API, seed, or SQL by hand).

-- CreateTable
CREATE TABLE "catalog_state" (
    "id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "catalog_state_pkey" PRIMARY KEY ("id")
);

INSERT INTO "catalog_state" ("id", "version") VALUES (1, 1);

CREATE FUNCTION "catalog_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_version INTEGER;
BEGIN
    UPDATE "catalog_state" SET "version" = "catalog_state"."version" + 1, "updated_at" = CURRENT_TIMESTAMP
     WHERE "id" = 1
    RETURNING "catalog_state"."version" INTO next_version;
    PERFORM pg_notify('catalog_changed', next_version::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER "models_catalog_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "models"
    FOR EACH STATEMENT EXECUTE FUNCTION "catalog_changed"();
CREATE TRIGGER "gpus_catalog_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "gpus"
    FOR EACH STATEMENT EXECUTE FUNCTION "catalog_changed"();
CREATE TRIGGER "price_points_catalog_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "price_points"
    FOR EACH STATEMENT EXECUTE FUNCTION "catalog_changed"();
