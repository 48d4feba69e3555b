import { HttpHeader } from "@lantern/shared/contracts";
/** Names who answered a request: `local` (the worker fleet) or an upstream provider. */
export const PROVIDER_HEADER = HttpHeader.provider;
