export declare const SERVICES: readonly string[];
export declare function packageName(specifier: string): string;
export declare function buildAllInOne(outDir: string): Promise<string[]>;
