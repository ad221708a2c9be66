/*
 * Stripe.js stand-in, served by the Payments Stripe emulator at /v3 (the path shape of https://js.stripe.com/v3/).
 * Offline development and tests load it instead of Stripe.js; production must load Stripe's own (PCI requires it).
 * It implements only what the Payments pages call:
 *   Stripe(publishableKey) · stripe.elements({clientSecret}) · elements.create('payment') · element.mount/unmount/on
 *   · elements.submit() · stripe.confirmPayment · stripe.confirmSetup · stripe.handleNextAction
 * and talks to the emulator's /v1 as Stripe.js talks to Stripe: form-encoded, the publishable key as `key`, the
 * intent's `client_secret`, card details as `payment_method_data`. The Payment Element is a plain card field (number,
 * expiry, CVC) for the emulator's test cards, in the page rather than in an iframe. 3-D Secure is a dialog whose
 * Complete / Fail buttons call the emulator's /_emulator/{payment_intents|setup_intents}/{id}/authenticate, the part
 * the bank's page plays. Differences from Stripe.js: the emulator's README, "Stripe.js stand-in".
 */
(function () {
  'use strict';

  var scriptUrl = document.currentScript ? document.currentScript.src : location.href;
  var base = new URL(scriptUrl).origin;

  function encode(params) {
    var pairs = [];
    (function walk(value, name) {
      if (value === undefined || value === null) return;
      if (typeof value === 'object') {
        Object.keys(value).forEach(function (k) { walk(value[k], name ? name + '[' + k + ']' : k); });
      } else {
        pairs.push(encodeURIComponent(name) + '=' + encodeURIComponent(String(value)));
      }
    })(params, '');
    return pairs.join('&');
  }

  function connectionError() {
    return { type: 'api_connection_error', message: 'We could not reach Stripe. Check your connection and try again.' };
  }

  async function api(method, path, params) {
    var url = base + path;
    var init = { method: method, headers: {} };
    if (method === 'GET') {
      url += '?' + encode(params);
    } else {
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = encode(params);
    }
    try {
      var response = await fetch(url, init);
      var json = await response.json();
      return response.ok ? { object: json } : { error: json.error || connectionError() };
    } catch (e) {
      return { error: connectionError() };
    }
  }

  function kindOf(clientSecret) {
    if (typeof clientSecret !== 'string' || clientSecret.indexOf('_secret_') < 0) {
      throw new IntegrationError('Invalid value for clientSecret: it should be a client secret of the form ${id}_secret_${secret}.');
    }
    var id = clientSecret.split('_secret_')[0];
    return { id: id, kind: id.indexOf('seti_') === 0 ? 'setup_intent' : 'payment_intent' };
  }

  function IntegrationError(message) {
    var e = new Error(message);
    e.name = 'IntegrationError';
    return e;
  }

  var styled = false;
  function addStyles() {
    if (styled) return;
    styled = true;
    var style = document.createElement('style');
    style.textContent =
      '.stripe-standin{display:grid;gap:.5rem;font:inherit}' +
      '.stripe-standin label{display:grid;gap:.2rem;font-size:.9em}' +
      '.stripe-standin input{font:inherit;padding:.5rem;border:1px solid #8a8f98;border-radius:6px;min-width:0}' +
      '.stripe-standin .stripe-standin-pair{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}' +
      '.stripe-standin .stripe-standin-note{font-size:.8em;margin:0;color:#555}' +
      '.stripe-standin-3ds{max-width:22rem;border:1px solid #8a8f98;border-radius:8px;padding:1rem}' +
      '.stripe-standin-3ds::backdrop{background:rgba(0,0,0,.45)}' +
      '.stripe-standin-3ds button{font:inherit;padding:.5rem 1rem;margin:.25rem}';
    document.head.appendChild(style);
  }

  var counter = 0;

  /** The Payment Element: a plain card field. */
  function PaymentElement() {
    this._listeners = {};
    this._node = null;
  }

  PaymentElement.prototype.on = function (event, handler) {
    (this._listeners[event] = this._listeners[event] || []).push(handler);
    return this;
  };

  PaymentElement.prototype._emit = function (event, payload) {
    (this._listeners[event] || []).forEach(function (h) { h(payload); });
  };

  PaymentElement.prototype.mount = function (target) {
    var host = typeof target === 'string' ? document.querySelector(target) : target;
    if (!host) throw new IntegrationError('The selector you specified (' + target + ') applies to no DOM elements.');
    addStyles();
    var n = ++counter;
    var node = document.createElement('div');
    node.className = 'StripeElement stripe-standin';
    node.setAttribute('data-stripe-standin', 'payment');
    node.innerHTML =
      '<label>Card number<input id="stripe-standin-number-' + n + '" name="cardnumber" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234"></label>' +
      '<div class="stripe-standin-pair">' +
      '<label>Expiry (MM / YY)<input id="stripe-standin-exp-' + n + '" name="exp-date" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY"></label>' +
      '<label>CVC<input id="stripe-standin-cvc-' + n + '" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC"></label>' +
      '</div>' +
      '<p class="stripe-standin-note">Test mode (Stripe emulator): 4242 4242 4242 4242 pays; 4000 0027 6000 3184 asks for 3-D Secure; 4000 0000 0000 0002 declines. Any future expiry, any CVC.</p>';
    host.appendChild(node);
    this._node = node;
    var self = this;
    node.addEventListener('input', function () {
      var collected = self._collect();
      self._emit('change', { elementType: 'payment', empty: self._empty(), complete: !collected.error, value: { type: 'card' } });
    });
    setTimeout(function () { self._emit('ready', { elementType: 'payment' }); }, 0);
    return this;
  };

  PaymentElement.prototype.unmount = function () {
    if (this._node) this._node.remove();
    this._node = null;
  };

  PaymentElement.prototype.destroy = PaymentElement.prototype.unmount;

  PaymentElement.prototype.focus = function () {
    if (this._node) this._node.querySelector('input').focus();
  };

  PaymentElement.prototype._inputs = function () {
    var inputs = this._node ? this._node.querySelectorAll('input') : [];
    return { number: inputs[0], exp: inputs[1], cvc: inputs[2] };
  };

  PaymentElement.prototype._empty = function () {
    var i = this._inputs();
    return !i.number || (!i.number.value && !i.exp.value && !i.cvc.value);
  };

  /** The card details, or the validation error Stripe.js reports for an incomplete field. */
  PaymentElement.prototype._collect = function () {
    var i = this._inputs();
    if (!i.number) return { error: { type: 'validation_error', code: 'incomplete', message: 'The payment form is not mounted.' } };
    var number = i.number.value.replace(/\s+/g, '');
    if (number.length < 12) return { error: { type: 'validation_error', code: 'incomplete_number', message: 'Your card number is incomplete.' } };
    var exp = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(i.exp.value);
    if (!exp) return { error: { type: 'validation_error', code: 'incomplete_expiry', message: "Your card's expiration date is incomplete." } };
    var cvc = i.cvc.value.trim();
    if (cvc.length < 3) return { error: { type: 'validation_error', code: 'incomplete_cvc', message: "Your card's security code is incomplete." } };
    return { card: { number: number, exp_month: exp[1], exp_year: exp[2], cvc: cvc } };
  };

  function Elements(stripe, options) {
    this._stripe = stripe;
    this._clientSecret = options && options.clientSecret;
    this._payment = null;
  }

  Elements.prototype.create = function (type) {
    if (type !== 'payment') throw new IntegrationError('The Stripe.js stand-in makes only the Payment Element, not ' + type + '.');
    this._payment = new PaymentElement();
    return this._payment;
  };

  Elements.prototype.getElement = function (type) {
    return type === 'payment' ? this._payment : null;
  };

  Elements.prototype.submit = async function () {
    if (!this._payment) throw new IntegrationError('elements.submit() needs a mounted Payment Element.');
    var collected = this._payment._collect();
    return collected.error ? { error: collected.error } : {};
  };

  /** The 3-D Secure challenge: resolves 'succeed' or 'fail' (closing the dialog fails it, as closing Stripe's does). */
  function challenge(intent) {
    addStyles();
    return new Promise(function (resolve) {
      var dialog = document.createElement('dialog');
      dialog.className = 'stripe-standin-3ds';
      dialog.setAttribute('aria-labelledby', 'stripe-standin-3ds-title');
      var amount = intent.amount ? (intent.amount / 100).toFixed(2) + ' ' + String(intent.currency).toUpperCase() : '';
      dialog.innerHTML =
        '<h2 id="stripe-standin-3ds-title">3D Secure test page</h2>' +
        '<p>Stripe emulator: this stands in for your bank\'s authentication page' + (amount ? ' (' + amount + ')' : '') + '.</p>' +
        '<div><button type="button" value="succeed">Complete authentication</button>' +
        '<button type="button" value="fail">Fail authentication</button></div>';
      var done = false;
      function finish(outcome) {
        if (done) return;
        done = true;
        dialog.close();
        dialog.remove();
        resolve(outcome);
      }
      dialog.querySelectorAll('button').forEach(function (b) {
        b.addEventListener('click', function () { finish(b.value); });
      });
      dialog.addEventListener('cancel', function (e) { e.preventDefault(); finish('fail'); });
      document.body.appendChild(dialog);
      dialog.showModal();
    });
  }

  function Stripe(publishableKey) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey);
    if (typeof publishableKey !== 'string' || publishableKey.indexOf('pk_') !== 0) {
      throw new IntegrationError('Invalid API Key provided: ' + publishableKey + '. Stripe.js takes a publishable key (pk_...).');
    }
    this._key = publishableKey;
  }

  Stripe.prototype.elements = function (options) {
    return new Elements(this, options || {});
  };

  Stripe.prototype._retrieve = function (kind, id, clientSecret) {
    return api('GET', '/v1/' + kind + 's/' + id, { key: this._key, client_secret: clientSecret });
  };

  /** After a confirmation: 3-D Secure if asked for, then the intent, or its last error as Stripe.js reports it. */
  Stripe.prototype._settle = async function (kind, intent, clientSecret, returnUrl, redirect) {
    var next = intent.next_action;
    if (intent.status === 'requires_action' && next && next.type === 'use_stripe_sdk') {
      var outcome = await challenge(intent);
      try {
        await fetch(base + '/_emulator/' + kind + 's/' + intent.id + '/authenticate', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ outcome: outcome }),
        });
      } catch (e) {
        return { error: connectionError() };
      }
      var read = await this._retrieve(kind, intent.id, clientSecret);
      if (read.error) return { error: read.error };
      intent = read.object;
    }
    var lastError = kind === 'payment_intent' ? intent.last_payment_error : intent.last_setup_error;
    if (intent.status === 'requires_payment_method' && lastError) {
      var error = Object.assign({}, lastError);
      error[kind] = intent;
      return { error: error };
    }
    if (redirect !== 'if_required' && returnUrl) {
      var target = new URL(returnUrl, location.href);
      target.searchParams.set(kind, intent.id);
      target.searchParams.set(kind + '_client_secret', clientSecret);
      target.searchParams.set('redirect_status', intent.status === 'succeeded' || intent.status === 'requires_capture' ? 'succeeded' : 'failed');
      location.assign(target.toString());
      return new Promise(function () {});
    }
    var result = {};
    result[kind === 'payment_intent' ? 'paymentIntent' : 'setupIntent'] = intent;
    return result;
  };

  Stripe.prototype._confirm = async function (kind, options) {
    options = options || {};
    var elements = options.elements;
    var clientSecret = options.clientSecret || (elements && elements._clientSecret);
    var target = kindOf(clientSecret);
    if (target.kind !== kind) throw new IntegrationError('That client secret belongs to a ' + target.kind + '.');
    var confirmParams = options.confirmParams || {};
    var params = { key: this._key, client_secret: clientSecret, use_stripe_sdk: 'true' };
    if (confirmParams.return_url) params.return_url = confirmParams.return_url;
    if (confirmParams.payment_method) {
      params.payment_method = confirmParams.payment_method;
    } else {
      if (!elements || !elements._payment) throw new IntegrationError('Pass the `elements` the Payment Element was created from.');
      var collected = elements._payment._collect();
      if (collected.error) return { error: collected.error };
      params.payment_method_data = { type: 'card', card: collected.card };
    }
    var confirmed = await api('POST', '/v1/' + kind + 's/' + target.id + '/confirm', params);
    if (confirmed.error) return { error: confirmed.error };
    return this._settle(kind, confirmed.object, clientSecret, confirmParams.return_url, options.redirect || 'always');
  };

  Stripe.prototype.confirmPayment = function (options) {
    return this._confirm('payment_intent', options);
  };

  Stripe.prototype.confirmSetup = function (options) {
    return this._confirm('setup_intent', options);
  };

  Stripe.prototype.handleNextAction = async function (options) {
    var clientSecret = options && options.clientSecret;
    var target = kindOf(clientSecret);
    var read = await this._retrieve(target.kind, target.id, clientSecret);
    if (read.error) return { error: read.error };
    return this._settle(target.kind, read.object, clientSecret, null, 'if_required');
  };

  window.Stripe = Stripe;
})();
