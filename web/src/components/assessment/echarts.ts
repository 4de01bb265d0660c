// The parts of ECharts the assessment charts use (bar, line, grid, tooltip; canvas renderer).
// Imported on demand by EChart.vue, so ECharts is a chunk of its own, loaded with the first chart.
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, LineChart, GridComponent, TooltipComponent, CanvasRenderer])

export { init }
