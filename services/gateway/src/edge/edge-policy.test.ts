import { useEdgePolicyStack } from "../../../../test/harness/edge-policy-stack.js";
import { keyPolicyCases } from "./edge-policy-keys.cases.js";
import { limitPolicyCases } from "./edge-policy-limits.cases.js";

/*
 * Key policies at the edge across two gateway replicas on one NATS namespace: keys and rate-limit
 * headers, then limits, budgets and usage events. One stack for both: starting it is most of the cost.
 */
const edge = useEdgePolicyStack();
keyPolicyCases(edge);
limitPolicyCases(edge);
