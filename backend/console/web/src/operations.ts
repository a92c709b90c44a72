// Every document the console sends, imported verbatim from graphql/operations/console/: in
// production the API runs only the documents in graphql/operations/ (an allowlist by hash), so
// the console must not build or change a query at run time.
import ALERT_SEND from "@operations/ConsoleAlertSend.graphql?raw";
import CANNED_ANSWERS from "@operations/ConsoleCannedAnswers.graphql?raw";
import CATEGORIES from "@operations/ConsoleCategories.graphql?raw";
import NEARBY from "@operations/ConsoleNearby.graphql?raw";
import QUEUE from "@operations/ConsoleQueue.graphql?raw";
import REPORT from "@operations/ConsoleReport.graphql?raw";
import REPORT_ASSIGN from "@operations/ConsoleReportAssign.graphql?raw";
import REPORT_EDIT from "@operations/ConsoleReportEdit.graphql?raw";
import REPORT_HIDE from "@operations/ConsoleReportHide.graphql?raw";
import REPORT_LOCK from "@operations/ConsoleReportLock.graphql?raw";
import REPORT_MERGE from "@operations/ConsoleReportMerge.graphql?raw";
import REPORT_SET_STATUS from "@operations/ConsoleReportSetStatus.graphql?raw";
import REPORT_TRIAGE from "@operations/ConsoleReportTriage.graphql?raw";
import REPORT_UNHIDE from "@operations/ConsoleReportUnhide.graphql?raw";
import REPORTS_BULK_SET_STATUS from "@operations/ConsoleReportsBulkSetStatus.graphql?raw";
import STATS from "@operations/ConsoleStats.graphql?raw";
import UNIT_STAFF from "@operations/ConsoleUnitStaff.graphql?raw";
import VIEWER from "@operations/ConsoleViewer.graphql?raw";

export {
  ALERT_SEND,
  CANNED_ANSWERS,
  CATEGORIES,
  NEARBY,
  QUEUE,
  REPORT,
  REPORT_ASSIGN,
  REPORT_EDIT,
  REPORT_HIDE,
  REPORT_LOCK,
  REPORT_MERGE,
  REPORT_SET_STATUS,
  REPORT_TRIAGE,
  REPORT_UNHIDE,
  REPORTS_BULK_SET_STATUS,
  STATS,
  UNIT_STAFF,
  VIEWER,
};
