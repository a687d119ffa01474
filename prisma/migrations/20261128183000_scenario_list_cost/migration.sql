-- Scenarios keep the list (on-demand) cost of their GPU-hours next to the cost at the price used,
-- so cost reports can show FinOps FOCUS ListCost beside EffectiveCost, aggregated in SQL.
ALTER TABLE "scenarios" ADD COLUMN "list_cost_usd" DOUBLE PRECISION;
