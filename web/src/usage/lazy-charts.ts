import { useEffect, useState } from "preact/hooks";

type ChartsModule = typeof import("./usage-charts.js");
let loading: Promise<ChartsModule> | undefined;

/**
 * The Usage page's charts, loaded when the page first opens: Chart.js is most of their weight,
 * and the other pages never need it. Null until loaded.
 */
export function useCharts(): ChartsModule | null {
  const [charts, setCharts] = useState<ChartsModule | null>(null);
  useEffect(() => {
    let live = true;
    void (loading ??= import("./usage-charts.js")).then((module) => live && setCharts(module));
    return () => {
      live = false;
    };
  }, []);
  return charts;
}
