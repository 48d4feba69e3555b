/** Where chat sockets are served: the path a key's `allowedPaths` names and a chat's usage event records. */
export const CHAT_SOCKET_PATH = "/v1/ws/chat";
