export declare function webIsCurrent(): boolean;
export declare function ensureWeb(options?: { log?: (line: string) => void }): boolean;
