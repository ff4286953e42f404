export {
  summarize,
  Summary,
  MalformedTrace,
  SUMMARY_TOP_COUNT,
  type SummaryData,
  type SummaryAttribute,
  type SummaryAttributeType,
  type SummaryCount,
  type NetworkSummary,
  type NetworkDropCount,
  type NetworkLinkSummary,
} from './summary.js'
