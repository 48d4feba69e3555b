CREATE TABLE "pipeline_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"pipeline" text NOT NULL,
	"status" text NOT NULL,
	"input" text NOT NULL,
	"definition" jsonb NOT NULL,
	"output" text,
	"error" text,
	"parent_run_id" text,
	"rerun_from_stage" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "stage_runs" (
	"run_id" text NOT NULL,
	"stage_index" integer NOT NULL,
	"stage_name" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"prompt" text,
	"answers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"output" text,
	"votes" jsonb,
	"params" jsonb NOT NULL,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"reused_from_run_id" text,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "stage_runs_run_id_stage_index_pk" PRIMARY KEY("run_id","stage_index")
);
--> statement-breakpoint
ALTER TABLE "stage_runs" ADD CONSTRAINT "stage_runs_run_id_pipeline_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pipeline_runs_created_idx" ON "pipeline_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "pipeline_runs_parent_idx" ON "pipeline_runs" USING btree ("parent_run_id");