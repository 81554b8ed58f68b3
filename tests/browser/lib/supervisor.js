// Page object for the supervisor console (/supervisor), for specs that drive a supervisor.
//
//   const sup = new SupervisorConsole(page);
//   await sup.signIn('supervisor1');                 // password "password"; waits for the floor
//   await sup.expectAgentState('agent1', 'Ready');   // 'Ready' | 'Not ready' | 'Logged out' (prefix match)
//   await sup.startSupervision('agent1', { mode: 'Coach', scope: 'NextChat', includeCurrent: true });
//        // mode 'Monitor' | 'Coach' | 'BargeIn'; scope 'AllChats' (default) | 'NextChat'
//   await sup.openChat('Carol');                     // a tab by customer nickname, or 0-based index
//   await sup.switchTo('Coach');                     // one click, waits until the server confirmed it
//   await sup.expectBanner('Coach');                 // the "who sees what you type" banner
//   await sup.send('Offer a voucher');               // waits until the message is back in the transcript
//   await sup.expectMessage('Offer a voucher', { whisper: true });
//   await sup.cancel('agent1');                      // CancelSupervisorMonitoring from the floor panel
//   await sup.leave();                               // Leave the open chat; waits for "You left"
//
// Locators are by role and accessible name, as a user finds things, so they also check the
// page's accessibility. Every method waits on visible state, never on a fixed delay.
import { expect } from '@playwright/test';

export const BANNERS = {
  Monitor: 'Monitoring — you are silent; nobody sees you',
  Coach: 'Coaching — only the agent sees your messages',
  BargeIn: 'Barged in — the CUSTOMER and the agent see your messages',
};
const MODE_BUTTON = { Monitor: 'Monitor', Coach: 'Coach', BargeIn: 'Barge in' };
const MODE_RADIO = { Monitor: /^Monitor/, Coach: /^Coach/, BargeIn: /^Barge in/ };

export class SupervisorConsole {
  constructor(page) {
    this.page = page;
    this.floor = page.getByRole('table');
    this.panel = page.locator('#supervise-panel');
    this.tabs = page.getByRole('tablist', { name: 'Supervised chats' }).getByRole('tab');
    this.chat = page.getByRole('tabpanel');
    this.banner = page.locator('#mode-banner');
    this.composer = page.locator('#composer-text');
    this.sendButton = page.locator('#composer-send');
    this.transcript = page.getByRole('list', { name: 'Transcript' });
  }

  async goto() {
    await this.page.goto('/supervisor');
  }

  /** Sign in; with expectOk (default) waits for the floor. */
  async signIn(user, { password = 'password', expectOk = true } = {}) {
    if (!this.page.url().includes('/supervisor')) await this.goto();
    await this.page.getByLabel('User name').fill(user);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    if (expectOk) {
      await expect(this.page.getByRole('heading', { name: 'The floor' })).toBeVisible();
      await expect(this.page.locator('#connection')).toHaveText('Live');
    }
  }

  row(agent) {
    return this.floor.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: new RegExp(`^${agent}\\b`) }) });
  }

  async expectAgentState(agent, state) {
    await expect(this.row(agent).locator('.agent-state')).toHaveText(new RegExp(`^${state}`));
  }

  /** The floor's entry for a live chat of the agent (by customer nickname). */
  floorChat(agent, customer) {
    return this.row(agent).locator('.floor-chats li').filter({ hasText: customer });
  }

  async openSupervise(agent) {
    await this.row(agent).getByRole('button', { name: `Supervise ${agent}` }).click();
    await expect(this.panel.getByRole('heading', { name: `Supervise ${agent}` })).toBeVisible();
  }

  /** The panel's list of the agent's supervisions. */
  supervisions() {
    return this.panel.locator('#supervision-list li');
  }

  async startSupervision(agent, { mode = 'Monitor', scope = 'AllChats', includeCurrent = false } = {}) {
    await this.openSupervise(agent);
    await this.panel.getByRole('radio', { name: MODE_RADIO[mode] }).check();
    await this.panel.getByRole('radio', { name: scope === 'NextChat' ? 'Next chat only' : 'All chats' }).check();
    await this.panel.getByRole('checkbox', { name: 'Include current chats' }).setChecked(includeCurrent);
    await this.panel.getByRole('button', { name: 'Start supervising' }).click();
    await expect(this.supervisions().filter({ hasText: '(you)' })).toHaveAttribute('data-mode', mode);
    await expect(this.supervisions().filter({ hasText: '(you)' })).toHaveAttribute('data-scope', scope);
  }

  async cancel(agent) {
    await this.openSupervise(agent);
    await this.supervisions().filter({ hasText: '(you)' }).getByRole('button', { name: 'Cancel supervision' }).click();
    await expect(this.supervisions().filter({ hasText: '(you)' })).toHaveCount(0);
  }

  tab(which) {
    return typeof which === 'number' ? this.tabs.nth(which) : this.tabs.filter({ hasText: which });
  }

  async openChat(which = 0) {
    const tab = this.tab(which);
    await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await expect(this.chat).toBeVisible();
  }

  modeButton(mode) {
    return this.page.getByRole('group', { name: 'Your mode in this chat' }).getByRole('button', { name: MODE_BUTTON[mode], exact: true });
  }

  async switchTo(mode) {
    await this.modeButton(mode).click();
    await expect(this.modeButton(mode)).toHaveAttribute('aria-pressed', 'true');
    await this.expectBanner(mode);
  }

  async expectBanner(mode) {
    await expect(this.banner).toHaveText(BANNERS[mode]);
  }

  async send(text) {
    await this.composer.fill(text);
    await this.sendButton.click();
    await this.expectMessage(text);
    await expect(this.composer).toHaveValue('');
  }

  /** A Text message in the open transcript; whisper: true/false also checks the whisper mark. */
  async expectMessage(text, { whisper } = {}) {
    const item = this.transcript.getByRole('listitem').filter({ hasText: text });
    await expect(item).toHaveCount(1);
    if (whisper === true) await expect(item).toContainText('Whisper — agents only');
    if (whisper === false) await expect(item).not.toContainText('Whisper — agents only');
    return item;
  }

  async leave() {
    await this.chat.getByRole('button', { name: 'Leave the chat' }).click();
    await expect(this.page.locator('#chat-state')).toHaveText('You left');
  }
}
