import { useWebUiStack } from "./harness/web-ui-stack.js";
import { chatPageCases } from "./web-ui/chat-page.cases.js";
import { monitorPageCases } from "./web-ui/monitor-page.cases.js";

/*
 * The web app in headless Chromium on one stack (test/harness/web-ui-stack.ts), which its pages'
 * cases share: starting it and the browser is most of what these tests cost.
 */
const web = useWebUiStack();
chatPageCases(web);
monitorPageCases(web);
