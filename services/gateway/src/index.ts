export { loadGatewayConfig } from "./config.js";
export { startGateway, type RunningGateway } from "./gateway.js";
