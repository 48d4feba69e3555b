export declare const SERVICE_ENTRIES: {
  readonly admin: string;
  readonly gateway: string;
  readonly inference: string;
  readonly "model-fetcher": string;
  readonly orchestrator: string;
  readonly "admin-orchestrator": string;
};
