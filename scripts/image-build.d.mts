export interface ImageBuildOptions {
  push: boolean;
  registry: string | undefined;
  build: string | undefined;
  help: boolean;
}
export interface RunResult {
  status: number | null;
  stdout?: string;
  stderr?: string;
  error?: Error;
}
export declare const IMAGE_NAME: string;
export declare const USAGE: string;
export declare class UsageError extends Error {}
export declare function parseArgs(argv: string[], env?: Record<string, string | undefined>): ImageBuildOptions;
export declare function imageTags(options: ImageBuildOptions, version: string): string[];
export declare function dockerBuildArgs(options: ImageBuildOptions, version: string, build: string): string[];
export declare function dockerProblem(run: (cmd: string, args: string[]) => RunResult): string | undefined;
export declare function formatSize(bytes: number): string;
