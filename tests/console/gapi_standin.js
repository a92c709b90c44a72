// A stand-in for Google's API loader (https://apis.google.com/js/api.js) in the browser tests,
// whose browser reaches 127.0.0.1 only. Firebase Auth's popup sign-in loads it into the page,
// and the Auth emulator's helper iframe (emulator/auth/iframe) loads it too: the two talk through
// gapi.iframes. This is that part only, over postMessage: the page opens the helper iframe and
// pings it; each side registers handlers by message type and sends to the other, the sender's
// callback getting the list of what the handlers returned. Messages for a type not registered
// yet wait for its handler, as the emulator's first "authEvent" may arrive before the SDK's.
(function () {
  "use strict";
  var TAG = "gapi-standin";
  var channels = [];

  function Channel(target) {
    this.target = target;
    this.handlers = {};
    this.pending = {};
    this.callbacks = {};
    this.next = 0;
    this.ready = false;
    this.onReady = [];
    channels.push(this);
  }
  Channel.prototype.post = function (message) {
    message.tag = TAG;
    this.target.postMessage(message, "*");
  };
  Channel.prototype.register = function (type, handler) {
    this.handlers[type] = handler;
    var waiting = this.pending[type] || [];
    delete this.pending[type];
    for (var i = 0; i < waiting.length; i++) this.deliver(waiting[i]);
  };
  Channel.prototype.send = function (type, data, callback) {
    var id = String(++this.next);
    if (callback) this.callbacks[id] = callback;
    this.post({ kind: "send", type: type, data: data, id: id });
  };
  Channel.prototype.deliver = function (message) {
    var handler = this.handlers[message.type];
    if (!handler) {
      (this.pending[message.type] = this.pending[message.type] || []).push(message);
      return;
    }
    var responses = [];
    try {
      responses.push(handler(message.data));
    } catch (error) {
      responses = [];
    }
    this.post({ kind: "reply", id: message.id, responses: responses });
  };
  Channel.prototype.receive = function (message) {
    if (message.kind === "send") {
      this.deliver(message);
    } else if (message.kind === "reply") {
      var callback = this.callbacks[message.id];
      delete this.callbacks[message.id];
      // As the real loader does, a callback's exception stays in it: Firebase Auth's check of
      // the iframe's web storage throws once it has its answer, every time.
      try {
        if (callback) callback(message.responses);
      } catch (error) {
        /* swallowed */
      }
    } else if (message.kind === "ready") {
      this.ready = true;
      var waiting = this.onReady.splice(0);
      for (var i = 0; i < waiting.length; i++) waiting[i]();
    }
  };
  Channel.prototype.ping = function (callback) {
    var self = this;
    return new Promise(function (resolve) {
      var done = function () {
        if (callback) callback();
        resolve(self);
      };
      if (self.ready) done();
      else self.onReady.push(done);
    });
  };
  Channel.prototype.restyle = function () {
    return Promise.resolve();
  };

  window.addEventListener("message", function (event) {
    var message = event.data;
    if (!message || message.tag !== TAG) return;
    for (var i = 0; i < channels.length; i++) {
      if (channels[i].target === event.source) {
        channels[i].receive(message);
        return;
      }
    }
  });

  var parent = null;
  var context = {
    // The page's side: the helper iframe, and a channel to it.
    open: function (options, callback) {
      var frame = document.createElement("iframe");
      var attributes = options.attributes || {};
      Object.keys(attributes).forEach(function (name) {
        if (name === "style") Object.assign(frame.style, attributes.style);
        else frame.setAttribute(name, attributes[name]);
      });
      frame.src = options.url;
      options.where.appendChild(frame);
      var channel = new Channel(frame.contentWindow);
      return Promise.resolve(callback ? callback(channel) : channel);
    },
    // The helper iframe's side: a channel to the page, which learns that the iframe is ready.
    getParentIframe: function () {
      if (!parent) {
        parent = new Channel(window.parent);
        parent.post({ kind: "ready" });
      }
      return parent;
    },
  };

  window.gapi = {
    load: function (name, options) {
      var callback = typeof options === "function" ? options : options && options.callback;
      setTimeout(function () {
        if (callback) callback();
      }, 0);
    },
    iframes: {
      getContext: function () {
        return context;
      },
      CROSS_ORIGIN_IFRAMES_FILTER: function () {
        return true;
      },
    },
  };

  // The loader's two ways to say it is ready: ?onload=<callback name>, and window.gapi_onload.
  var script = document.currentScript;
  var onload = script ? new URL(script.src).searchParams.get("onload") : null;
  setTimeout(function () {
    if (onload && typeof window[onload] === "function") window[onload]();
    if (typeof window.gapi_onload === "function") window.gapi_onload();
  }, 0);
})();
