import { MemoryTokenStore } from '../src/index.js';
import { describeTokenStoreContract } from './support/store-contract.js';

describeTokenStoreContract('MemoryTokenStore', () => new MemoryTokenStore());

// FileTokenStore runs the contract, and its own tests, in file-token-store.test.ts.
