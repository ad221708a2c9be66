// Stripe.js, loaded once from config.stripeJsUrl: https://js.stripe.com/v3/ in production (PCI requires Stripe's own),
// the Stripe emulator's stand-in at the same path shape offline.
import { config } from './config.js';

let loading = null;

export function loadStripe() {
  loading ??= new Promise((resolve, reject) => {
    if (window.Stripe) return resolve(window.Stripe(config.stripePublishableKey));
    const script = document.createElement('script');
    script.src = config.stripeJsUrl;
    script.onload = () => resolve(window.Stripe(config.stripePublishableKey));
    script.onerror = () => {
      loading = null;
      reject(new Error('Stripe.js could not be loaded. Check your connection and try again.'));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/** A Stripe.js error ({type, code, message, decline_code}) as the pages show problems. */
export function stripeProblem(error) {
  return {
    problem: {
      title: error.message || 'The card could not be used.',
      code: error.code,
      declineCode: error.decline_code,
      // A card the bank refused (or whose authentication failed) will not do for this attempt.
      nextAction: error.type === 'card_error' || error.code === 'payment_intent_authentication_failure' ? 'use_another_card' : undefined,
    },
  };
}
