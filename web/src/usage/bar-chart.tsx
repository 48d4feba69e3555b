import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartOptions } from "chart.js";
import { useEffect, useRef } from "preact/hooks";
import type { BarData } from "./chart-data.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface BarChartProps {
  data: BarData;
  /** Bars of one bucket stacked (a total made of its groups), or side by side. */
  stacked: boolean;
  /** Bars along the x axis, one row per label (long model names stay readable). */
  horizontal?: boolean;
  /** Counts: the value axis has no ticks between whole numbers. */
  wholeNumbers?: boolean;
  /** How a value is written on the value axis and in tooltips. */
  format: (value: number) => string;
  /** Said to screen readers; the figures are in the tables below. */
  label: string;
  testId: string;
}

function optionsOf({ stacked, horizontal, format, wholeNumbers }: Pick<BarChartProps, "stacked" | "horizontal" | "format" | "wholeNumbers">): ChartOptions<"bar"> {
  const valueAxis = { stacked, beginAtZero: true, ticks: { callback: (v: string | number) => format(Number(v)), maxTicksLimit: 6, ...(wholeNumbers ? { precision: 0 } : {}) } };
  const labelAxis = { stacked, grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0, autoSkipPadding: 12 } };
  return {
    indexAxis: horizontal ? "y" : "x",
    responsive: true,
    maintainAspectRatio: false,
    // Figures change on every refresh: drawn at once, not animated.
    animation: false,
    scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    plugins: {
      legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
      tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${format(Number(item.raw))}` } },
    },
  };
}

/** Each dataset's sum, on the element: what the bars add up to, readable without the canvas. */
const totalsOf = (data: BarData) => JSON.stringify(Object.fromEntries(data.datasets.map((d) => [d.label, d.data.reduce((a, b) => a + b, 0)])));

/** A Chart.js bar chart that redraws when its data changes. */
export function BarChart(props: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar"> | null>(null);
  useEffect(() => {
    chart.current = new Chart(canvas.current!, { type: "bar", data: structuredClone(props.data), options: optionsOf(props) });
    return () => chart.current?.destroy();
  }, [props.stacked, props.horizontal]);
  useEffect(() => {
    if (!chart.current) return;
    // Chart.js writes into the data it draws: it gets its own copy.
    chart.current.data = structuredClone(props.data);
    chart.current.update();
  }, [props.data]);
  return (
    <div class="chart-box" data-testid={props.testId} data-totals={totalsOf(props.data)}>
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
