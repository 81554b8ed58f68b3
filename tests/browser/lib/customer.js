// Page object of the customer chat widget (web/widget.js) for Playwright tests.
//
//   const w = new CustomerWidget(page);
//   await w.goto();                        // the demo shop (/chat), widget loaded
//   await w.open();                        // launcher → panel open
//   await w.start('Bob', 'Tent');          // fill the start form and start the chat
//   await w.expectQueuePosition(1);        // "You are number 1 in the queue"
//   await w.waitForAgentJoined('Alice');   // "Alice joined the chat" + "Chatting with Alice"
//   await w.send('Hello');                 // type + Enter; waits until the message shows Sent
//   await w.expectMessage('Hi Bob');       // a message with this text is in the transcript
//   await w.expectTyping('Alice');         // "Alice is typing…" shown
//   const text = await w.transcriptText(); // the transcript as the customer reads it
//   const txt = await w.downloadTranscript(); // the downloaded .txt file's content
//   await w.endChat();                     // End chat → "The chat has ended"
//
// Locators pierce the widget's open shadow root, so they work like on any page.
import { expect } from '@playwright/test';

export class CustomerWidget {
  /** @param {import('@playwright/test').Page} page */
  constructor(page) {
    this.page = page;
    this.root = page.locator('#parley-chat-widget');
    this.launcher = this.root.locator('button.launcher');
    this.panel = this.root.getByRole('dialog');
    this.status = this.panel.getByRole('status');
    this.log = this.panel.getByRole('log', { name: 'Messages' });
    this.messageBox = this.panel.getByLabel('Message', { exact: true });
    this.typingLine = this.panel.locator('.typing');
    this.alert = this.panel.locator('.alert');
    this.fileError = this.panel.locator('.error[role=alert]');
  }

  /** Open the shop page (default /chat) and wait until the widget is mounted. */
  async goto(path = '/chat') {
    await this.page.goto(path);
    await this.waitReady();
  }

  /** Wait for the widget to be mounted (after goto or reload). */
  async waitReady() {
    await expect(this.root).toHaveAttribute('data-ready', 'true');
  }

  /** Open the panel with the launcher button (no-op when already open). */
  async open() {
    if (await this.panel.isVisible()) return;
    await this.launcher.click();
    await expect(this.panel).toBeVisible();
  }

  /** Fill the start form and start a chat; waits for the chat view. */
  async start(nickname, subject, email) {
    await this.open();
    await this.panel.getByLabel('Your name (required)').fill(nickname);
    if (subject) await this.panel.getByLabel('Subject (optional)').fill(subject);
    if (email) await this.panel.getByLabel('Email (optional)').fill(email);
    await this.panel.getByRole('button', { name: 'Start chat' }).click();
    await expect(this.log).toBeVisible();
    await expect(this.log.getByText(`${nickname} joined the chat`)).toBeVisible();
  }

  /** The chat id of the running chat (read from the widget's saved session). */
  async chatId() {
    return this.page.evaluate(() => {
      for (let i = 0; i < sessionStorage.length; i++) {
        const k = sessionStorage.key(i);
        if (k.startsWith('parley-chat:')) return JSON.parse(sessionStorage.getItem(k)).cred.chatId;
      }
      return null;
    });
  }

  async expectQueuePosition(n) {
    await expect(this.status).toHaveText(`You are number ${n} in the queue`);
  }

  /** An agent's join notice and the "Chatting with" status. */
  async waitForAgentJoined(name) {
    await expect(this.log.getByText(`${name} joined the chat`, { exact: true })).toBeVisible();
    await expect(this.status).toContainText(`Chatting with ${name}`);
  }

  /** Type a message and press Enter; waits until the server acknowledged it (Sent). */
  async send(text, { waitSent = true } = {}) {
    await this.messageBox.fill(text);
    await this.messageBox.press('Enter');
    if (waitSent) await expect(this.myMessage(text)).toHaveAttribute('data-state', 'sent');
  }

  /** The customer's own message bubble(s) with this text (pending or confirmed). */
  myMessage(text) {
    return this.panel.locator('li.message.mine').filter({ has: this.page.locator('.text', { hasText: text }) });
  }

  /** All message texts in the transcript, in order (messages only, not notices). */
  async messageTexts() {
    return this.log.locator('li.message .text').allTextContents();
  }

  async expectMessage(text) {
    await expect(this.log.locator('li.message .text', { hasText: text }).first()).toBeVisible();
  }

  async expectTyping(name) {
    await expect(this.typingLine).toHaveText(`${name} is typing…`);
  }

  async expectNotTyping() {
    await expect(this.typingLine).toHaveText('');
  }

  /** The transcript as displayed (one line per item). */
  async transcriptText() {
    return (await this.log.locator('li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).join('\n');
  }

  /** Click "Download transcript"; returns the downloaded file's text. */
  async downloadTranscript() {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.panel.getByRole('button', { name: 'Download transcript' }).click(),
    ]);
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    return { name: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
  }

  /** Choose a file to upload ({name, mimeType, buffer}). */
  async attach(file) {
    await this.panel.locator('input[type=file]').setInputFiles(file);
  }

  async endChat() {
    await this.panel.getByRole('button', { name: 'End chat' }).click();
    await expect(this.status).toHaveText('The chat has ended');
  }

  /** Which transport the widget uses: 'push' (CometD) or 'poll' (REST). */
  async transport() {
    return this.panel.getAttribute('data-transport');
  }
}
