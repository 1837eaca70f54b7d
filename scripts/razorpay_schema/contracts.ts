// The Razorpay types Galla's contract tests check against, named from the razorpay npm package's own
// declarations (node_modules/razorpay/dist/types/*.d.ts). Each request type is the parameter type of the SDK
// method for the endpoint Galla calls; `tsc` (generate.sh runs it first) proves each alias equal to that
// parameter, so a new razorpay release that changes a signature fails the generation instead of drifting.
import orders, { Orders } from "razorpay/dist/types/orders";
import payments, { Payments } from "razorpay/dist/types/payments";
import { Refunds } from "razorpay/dist/types/refunds";
import { Disputes } from "razorpay/dist/types/disputes";

type OrdersApi = ReturnType<typeof orders>;
type PaymentsApi = ReturnType<typeof payments>;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/** POST /v1/orders: the params of orders.create(params). */
export type OrderCreateRequest =
    | Orders.RazorpayOrderCreateRequestBody
    | Orders.RazorpayTransferCreateRequestBody
    | Orders.RazorpayAuthorizationCreateRequestBody;
const orderCreateIsTheSdks: Equal<OrderCreateRequest, Parameters<OrdersApi["create"]>[0]> = true;

/** GET /v1/orders?...: the params of orders.all(params). */
export type OrderQuery = Orders.RazorpayOrderQuery;

/** The order entity (what orders.create and orders.fetch resolve to). */
export type Order = Orders.RazorpayOrder;

/** POST /v1/payments/{id}/capture: payments.capture(paymentId, amount, currency) sends {amount, currency}
 * (razorpay-node dist/resources/payments.js). */
export interface PaymentCaptureRequest {
    amount: number | string;
    currency: string;
}
const captureAmountIsTheSdks: Equal<PaymentCaptureRequest["amount"], Parameters<PaymentsApi["capture"]>[1]> = true;
const captureCurrencyIsTheSdks: Equal<PaymentCaptureRequest["currency"], Parameters<PaymentsApi["capture"]>[2]> = true;

/** The payment entity (what payments.fetch and payments.capture resolve to). */
export type Payment = Payments.RazorpayPayment;

/** POST /v1/payments/{id}/refund: the params of payments.refund(paymentId, params). */
export type PaymentRefundRequest =
    | Payments.RazorpayRefundPaymentLinkAccountCreateRequestBody
    | Refunds.RazorpayRefundCreateRequestBody;
const refundCreateIsTheSdks: Equal<PaymentRefundRequest, Parameters<PaymentsApi["refund"]>[1]> = true;

/** The refund entity (what payments.refund resolves to). */
export type Refund = Refunds.RazorpayRefund;

/** The dispute entity (a webhook's payload.dispute.entity). */
export type Dispute = Disputes.RazorpayDispute;
