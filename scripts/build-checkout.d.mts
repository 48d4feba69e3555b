export declare const CHECKOUT_BUILDS: string;
export declare const CHECKOUT_ENTRIES: Record<string, string>;
/** The dir of the current build, or undefined when an input changed since it was made. */
export declare function currentCheckoutBuild(): string | undefined;
/** Builds every entry into a new dir, makes it current and returns it. */
export declare function buildCheckout(): Promise<string>;
