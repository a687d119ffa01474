-- Other Hugging Face repository ids of each catalog model (instruct/chat/base checkpoints of the
-- same architecture, earlier repository names), so a training config that names its base model
-- by repository id finds the catalog entry. Rows seeded before this column existed get theirs
-- from `npm run db:seed`; the hf_id column still resolves without them.

-- AlterTable
ALTER TABLE "models" ADD COLUMN "aliases" TEXT[] DEFAULT ARRAY[]::TEXT[];
