-- CreateTable
CREATE TABLE "models" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hf_id" TEXT,
    "family" TEXT NOT NULL,
    "license" TEXT,
    "hidden_size" INTEGER NOT NULL,
    "intermediate_size" INTEGER NOT NULL,
    "num_layers" INTEGER NOT NULL,
    "num_attention_heads" INTEGER NOT NULL,
    "num_key_value_heads" INTEGER NOT NULL,
    "head_dim" INTEGER,
    "vocab_size" INTEGER NOT NULL,
    "tie_word_embeddings" BOOLEAN NOT NULL DEFAULT false,
    "max_position_embeddings" INTEGER,
    "num_experts" INTEGER,
    "experts_per_token" INTEGER,
    "moe_intermediate_size" INTEGER,
    "extra" JSONB,
    "params_total" BIGINT,
    "sources" TEXT[],
    "notes" TEXT,
    "managed_by" TEXT NOT NULL DEFAULT 'seed',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gpus" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "vendor" TEXT NOT NULL,
    "memory_gib" DOUBLE PRECISION NOT NULL,
    "memory_type" TEXT,
    "memory_bandwidth_tbps" DOUBLE PRECISION NOT NULL,
    "bf16_tflops" DOUBLE PRECISION,
    "fp16_tflops" DOUBLE PRECISION,
    "fp8_tflops" DOUBLE PRECISION,
    "interconnect" TEXT,
    "interconnect_gbps" DOUBLE PRECISION,
    "tdp_watts" INTEGER,
    "sources" TEXT[],
    "notes" TEXT,
    "verification" TEXT,
    "managed_by" TEXT NOT NULL DEFAULT 'seed',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "gpus_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "price_points" (
    "id" TEXT NOT NULL,
    "gpu_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "pricing_model" TEXT NOT NULL,
    "usd_per_gpu_hour" DOUBLE PRECISION NOT NULL,
    "instance_type" TEXT,
    "gpus_per_instance" INTEGER,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "effective_to" TIMESTAMPTZ(3),
    "sources" TEXT[],
    "notes" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "price_points_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scenarios" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "team" TEXT,
    "project" TEXT,
    "owner" TEXT,
    "model_id" TEXT,
    "model_name" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "gpu_name" TEXT NOT NULL,
    "gpu_count" INTEGER NOT NULL,
    "provider" TEXT,
    "pricing_model" TEXT,
    "gpu_hours" DOUBLE PRECISION NOT NULL,
    "compute_cost_usd" DOUBLE PRECISION NOT NULL,
    "total_cost_usd" DOUBLE PRECISION NOT NULL,
    "request" JSONB NOT NULL,
    "result" JSONB NOT NULL,
    "prices_used" JSONB NOT NULL,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "scenarios_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "models_family_idx" ON "models"("family");

-- CreateIndex
CREATE INDEX "price_points_provider_pricing_model_idx" ON "price_points"("provider", "pricing_model");

-- CreateIndex
CREATE UNIQUE INDEX "price_points_gpu_id_provider_region_pricing_model_instance__key" ON "price_points"("gpu_id", "provider", "region", "pricing_model", "instance_type", "effective_from");

-- CreateIndex
CREATE UNIQUE INDEX "scenarios_idempotency_key_key" ON "scenarios"("idempotency_key");

-- CreateIndex
CREATE INDEX "scenarios_team_created_at_idx" ON "scenarios"("team", "created_at");

-- CreateIndex
CREATE INDEX "scenarios_project_created_at_idx" ON "scenarios"("project", "created_at");

-- CreateIndex
CREATE INDEX "scenarios_created_at_idx" ON "scenarios"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- AddForeignKey
ALTER TABLE "price_points" ADD CONSTRAINT "price_points_gpu_id_fkey" FOREIGN KEY ("gpu_id") REFERENCES "gpus"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scenarios" ADD CONSTRAINT "scenarios_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE SET NULL ON UPDATE CASCADE;
