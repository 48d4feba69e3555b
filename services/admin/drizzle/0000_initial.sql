CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"allowed_models" jsonb,
	"allowed_paths" jsonb,
	"rate_limits" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"max_concurrent" integer,
	"budget" jsonb,
	"cache" jsonb,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "model_prices" (
	"model" text PRIMARY KEY NOT NULL,
	"input_per_mtok_usd" double precision NOT NULL,
	"output_per_mtok_usd" double precision NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_routes" (
	"model" text PRIMARY KEY NOT NULL,
	"steps" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"name" text PRIMARY KEY NOT NULL,
	"file" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text,
	"architecture" text,
	"quantization" text,
	"context_length" integer,
	"parameter_count" bigint,
	"has_chat_template" boolean,
	"source" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_settings" (
	"name" text PRIMARY KEY NOT NULL,
	"base_url" text NOT NULL,
	"api_key" text,
	"timeout_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_events" (
	"id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"gateway_id" text NOT NULL,
	"key_id" text,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"model" text NOT NULL,
	"provider" text NOT NULL,
	"worker_ids" jsonb NOT NULL,
	"status" integer NOT NULL,
	"error_type" text,
	"stream" boolean NOT NULL,
	"prompt_tokens" integer NOT NULL,
	"completion_tokens" integer NOT NULL,
	"cost_usd" double precision NOT NULL,
	"ttft_ms" double precision,
	"latency_ms" double precision NOT NULL,
	"cache_hit" boolean NOT NULL
);
--> statement-breakpoint
CREATE INDEX "api_keys_created_at_idx" ON "api_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "usage_events_at_idx" ON "usage_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "usage_events_key_at_idx" ON "usage_events" USING btree ("key_id","at");--> statement-breakpoint
CREATE INDEX "usage_events_model_at_idx" ON "usage_events" USING btree ("model","at");